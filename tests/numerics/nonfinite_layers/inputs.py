nan, inf = float("nan"), float("inf")
INPUTS = [
    [[nan, 1, 2, 3, 4, 5], [1, 2, inf, 3, 4, 5], [-inf, 1, 2, 3, 4, 5], [-inf] * 6, [nan] * 6,
     [1, 2, 3, 4, 5, 6], [inf, -inf, 0, 0, 0, 0], [-inf, nan, 1, 2, 3, inf], [1, nan, 2, nan, -inf, -inf]],
    [[1, nan, 2, 3, 4, 5], [1, 2, -inf, 3, 4, 5], [0, 0, 0, 0, 0, 0], [nan] * 6, [1] * 6,
     [inf, inf, inf, -inf, -inf, -inf], [0, 0, 0, 0, 0, 0], [nan, nan, -1, -2, -3, -4], [nan] * 6],
]
