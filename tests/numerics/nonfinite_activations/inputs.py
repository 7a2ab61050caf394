nan, inf = float("nan"), float("inf")
INPUTS = [[[nan], [inf], [-inf], [2.5], [-2.5], [0.0], [-0.0], [0.3], [0.75], [8.0]]]
