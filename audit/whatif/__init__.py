"""What-if drafts on the recorded population: reading a draft file, evaluating it, and its internal report."""
