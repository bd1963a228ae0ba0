"""Stage 3, answering: retrieval.py (dense + BM25, fused, reranked), scoring.py (how well a sentence
answers), the answerers behind one contract (base.py: extractive.py, generative.py; backends.py picks
one by name), and citations.py ([n] markers, support checks, exact quotes).
"""
