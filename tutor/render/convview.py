def conv_sections(*a):
    return []
