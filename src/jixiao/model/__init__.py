"""The contracts: output document, source document, flag codes, errors, modes. Imports nothing else from jixiao."""
