"""Building the judge's model (answering/judge.py): judge_data.py collects the training data,
train_judge.py fits and writes judge_model.json. Run as `python -m citeqa.training.<module>`; see
README, "Judgement"."""
