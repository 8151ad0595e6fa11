"""The Chainlit chat for practitioners and trainers, mounted into the API process."""
