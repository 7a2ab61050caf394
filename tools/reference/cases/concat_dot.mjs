export const CASES = [];
