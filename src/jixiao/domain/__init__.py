"""The genre's knowledge: value grammar, header vocabularies, frameworks, repairs, lexicon. Imports only jixiao.model."""
