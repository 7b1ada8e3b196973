"""From a prompt to each stream's context: text encoders, feature extraction, connectors, prompt
composition.
"""
