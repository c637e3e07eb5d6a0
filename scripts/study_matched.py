"""Robust accuracy of each study arm at matched clean accuracy (docs/RESULTS.md).

Per arm and seed, the clean-vs-robust points over the weights are interpolated linearly at the given clean
accuracies; the table shows mean ± sd over seeds (n < 3 where a seed's curve does not reach that accuracy).

  python3 scripts/study_matched.py demo-out/study/results.json
"""
import json, statistics as st, sys
r=json.load(open(sys.argv[1])); res=r.get('results',r)
models=res['models']
arms=sorted({m['arm'] for m in models if m['arm']!='plain'})
threats=['linf-0.1','linf-0.2','l2-1','l2-1.5']
def interp(points, c):
    pts=sorted(points)
    for (c0,r0),(c1,r1) in zip(pts,pts[1:]):
        if c0<=c<=c1: return r0+(r1-r0)*(c-c0)/(c1-c0) if c1>c0 else r0
    return None
targets=[0.85,0.84,0.82,0.80]
out={}
for arm in arms:
    row=[]
    for t in threats:
        for c in targets:
            vals=[]
            for seed in (1,2,3):
                pts=[(m['cleanAccuracy'], m['robust'][t]['robustAccuracy']) for m in models if m['arm']==arm and m['seed']==seed]
                v=interp(pts,c); 
                if v is not None: vals.append(v*100)
            row.append((st.mean(vals), st.stdev(vals) if len(vals)>1 else float('nan'), len(vals)) if vals else None)
    out[arm]=row
for c_i,c in enumerate(targets):
    print(f'\n### clean accuracy {c*100:.0f}%')
    print('| arm | ' + ' | '.join(threats) + ' |')
    print('|---|' + '---|'*len(threats))
    for arm in arms:
        cells=[]
        for t_i,t in enumerate(threats):
            v=out[arm][t_i*len(targets)+c_i]
            cells.append('–' if v is None else (f'{v[0]:.1f} ± {v[1]:.1f}' + ('' if v[2]==3 else f' (n={v[2]})')))
        print(f'| {arm} | ' + ' | '.join(cells)+' |')
