def conv_rows(*a):
    return []
