"""Building the reader (answering/reader.py): reader_data.py reads SQuAD, reader_features.py makes token
windows and scores them, train_reader.py trains and checkpoints, reader_export.py writes the ONNX file.
Run as `python -m citeqa.training.<module>`; see README, "Reader"."""
