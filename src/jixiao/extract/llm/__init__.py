"""LLM extraction: chunking, prompting, few-shot examples, grounding, and the run that merges with the rules path.

Transport (providers, cache, local server) lives in :mod:`jixiao.providers`.
"""
