"""Plan: who provides what. The unit registry and the resolution of responsibility texts."""
