"""The Python prototype that chose the surrogate search's shape (docs/VALIDATION.md, "Sample
efficiency", last paragraph): model-based search on NAS-Bench-201 CIFAR-100 under a Pixel 3
latency budget (p20, p50), latency known exactly, accuracy predicted by XGBoost on one-hot + cell
features, the top `batch` of a pool of feasible unevaluated networks evaluated each round.
Prints the median, quartiles and worst number of real evaluations to within 0.3 points of the
optimum, over seeds 1..N.

Validation only (needs numpy and xgboost: pip install numpy xgboost). Usage, from the repository root:
    python3 docs/validation/predict/surrogate_prototype.py "{'seeds': 10}"                  # whole feasible space as the pool
    python3 docs/validation/predict/surrogate_prototype.py "{'seeds': 10, 'poolfrac': 0.25}"
    python3 docs/validation/predict/surrogate_prototype.py "{'seeds': 10, 'poolfrac': 0.25, 'batch': 2}"
    python3 docs/validation/predict/surrogate_prototype.py "{'seeds': 10, 'poolfrac': 0.25, 'batch': 10}"
    python3 docs/validation/predict/surrogate_prototype.py "{'seeds': 10, 'poolfrac': 0.25, 'K': 5, 'kappa': 0.5}"
Data: $DUET_DATA/nb201 (default ../shared/data/nb201).
"""
import os
DATA = os.path.join(os.environ.get("DUET_DATA", os.path.join(os.path.dirname(__file__), "../../../../shared/data")), "nb201")
import csv, sys, numpy as np, xgboost as xgb, itertools, time
ops=['none','skip_connect','nor_conv_1x1','nor_conv_3x3','avg_pool_3x3']
# edges (to,from): 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2
E=[(0,1),(0,2),(1,2),(0,3),(1,3),(2,3)]
def parse(s):
    parts=[p for p in s.split('+')]
    out=[]
    for p in parts:
        for t in p.strip('|').split('|'):
            op,_=t.split('~'); out.append(ops.index(op))
    return tuple(out)
acc={};lat={}
for r in csv.DictReader(open(os.path.join(DATA, 'accuracy.csv'))): acc[parse(r['arch_str'])]=float(r['cifar100_test_acc'])
for r in csv.DictReader(open(os.path.join(DATA, 'latency_pixel3_raspi4.csv'))): lat[parse(r['arch_str'])]=float(r['pixel3_latency_ms'])
archs=list(itertools.product(range(5),repeat=6))
A=np.array([acc[a] for a in archs]); L=np.array([lat[a] for a in archs])
def feats(a):
    f=[]
    for c in a: f+= [1.0 if c==k else 0.0 for k in range(5)]
    present=[c!=0 for c in a]
    fi=[True,False,False,False]
    for (s,t),p in zip(E,present):
        if p and fi[s]: fi[t]=True
    to=[False,False,False,True]
    for (s,t),p in reversed(list(zip(E,present))):
        if p and to[t]: to[s]=True
    live=[p and fi[s] and to[t] for (s,t),p in zip(E,present)]
    f+= [float(x) for x in live]
    cnt=[sum(1 for c,l in zip(a,live) if l and c==k) for k in range(1,5)]
    f+= cnt
    # longest conv path
    lg=[0,-99,-99,-99]
    for (s,t),c,l in zip(E,a,live):
        if l: lg[t]=max(lg[t], lg[s]+(1 if c in (2,3) else 0))
    f.append(max(lg[3],0)); f.append(cnt[2]*9+cnt[1])
    return f
F=np.array([feats(a) for a in archs],dtype=np.float32)
N=len(archs)
def run(seed,budget,target,n0=20,batch=5,K=1,kappa=0.0,poolfrac=1.0,maxrows=None,rounds=200,depth=3,maxev=2000):
    rng=np.random.default_rng(seed)
    feas=L<=budget
    ev=list(rng.choice(N,n0,replace=False))
    for k,i in enumerate(ev):
        if feas[i] and A[i]>=target: return k+1
    seen=set(ev)
    while len(ev)<maxev:
        idx=np.array(ev)
        rows=idx
        if maxrows and len(rows)>maxrows:
            best=idx[np.argsort(-(A[idx]-1000*(~feas[idx])))][:maxrows//2]
            rows=np.unique(np.concatenate([best,idx[-(maxrows-maxrows//2):]]))
        cand=np.array([i for i in range(N) if feas[i] and i not in seen]) 
        if poolfrac<1: cand=rng.choice(cand,int(len(cand)*poolfrac),replace=False)
        preds=[]
        for m in range(K):
            p={'max_depth':depth,'eta':0.05,'subsample':0.8,'colsample_bytree':0.8,'seed':int(seed*100+len(ev)+m),'nthread':1,'tree_method':'hist'}
            d=xgb.DMatrix(F[rows],label=A[rows])
            b=xgb.train(p,d,rounds)
            preds.append(b.predict(xgb.DMatrix(F[cand])))
        P=np.array(preds); mu=P.mean(0); sd=P.std(0) if K>1 else 0
        sc=mu+kappa*sd
        pick=cand[np.argsort(-sc)[:batch]]
        for i in pick:
            ev.append(int(i)); seen.add(int(i))
            if feas[i] and A[i]>=target: return len(ev)
    return maxev
Ls=np.sort(L)
cfg=dict(eval(sys.argv[1])) if len(sys.argv)>1 else {}
seeds=range(1,int(cfg.pop('seeds',10))+1)
for pct in (20,50):
    pos=pct/100*(N-1); lo=int(pos); b=Ls[lo]+(Ls[min(lo+1,N-1)]-Ls[lo])*(pos-lo)
    opt=A[L<=b].max()
    t=time.time()
    r=[run(s,b,opt-0.3,**cfg) for s in seeds]
    print(pct, cfg, 'median',np.median(r),'q',np.percentile(r,25),np.percentile(r,75),'max',max(r), r, '%.0fs'%(time.time()-t), flush=True)
