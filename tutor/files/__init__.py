"""files: the file formats, in and out — safe YAML with line numbers, the neuron, layer, data-set and graph
forms, numbers as written, answers files, rosters and variants.csv, problem files written back.
Errors name the file, the key and the line. Imports model, maths and base.
"""
