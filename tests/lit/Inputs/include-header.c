#include MODEL_HEADER
int main(void) { return 0; }
