"""Compares jr.attacks.evaluate (the study's metrics.json) with scripts/independent_attack.py results, per model and threat.

  python3 scripts/compare_attacks.py demo-out/indep    # the *.json written by independent_attack.py --out
"""
import json, glob, os, sys
key = lambda norm, eps: f"{norm}-{eps:g}"
rows=[]
for f in sorted(glob.glob(os.path.join(sys.argv[1] if len(sys.argv) > 1 else 'demo-out/indep', '*.json'))):
    d=json.load(open(f)); m=json.load(open(os.path.join(d['model'],'metrics.json')))
    for r in d['results']:
        k=key(r['norm'], r['eps']); ours=m['robust'][k]['robustAccuracy']*100; ind=r['robust_accuracy']*100
        flags=m['robustFlags'][k]; ps=r['per_sample']
        ours_only=sum(1 for s in ps if flags[s['index']]=='1' and not s['robust'])
        ind_only=sum(1 for s in ps if flags[s['index']]=='0' and s['robust'])
        rows.append((d['model'].replace('demo-out/study/',''), k, ours, ind, ours-ind, ours_only, ind_only))
print('| model | threat | jr.attacks.evaluate % | independent (PyTorch) % | difference (points) | robust only for ours | robust only for independent |')
print('|---|---|---|---|---|---|---|')
for r in rows: print(f'| {r[0]} | {r[1]} | {r[2]:.1f} | {r[3]:.1f} | {r[4]:+.1f} | {r[5]} | {r[6]} |')
if rows: print(f'max difference {max(r[4] for r in rows):.1f} mean {sum(r[4] for r in rows) / len(rows):+.2f} (points, over {len(rows)} pairs)')
