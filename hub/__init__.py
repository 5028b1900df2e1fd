"""Push and pull run directories to and from the Hugging Face Hub (issue #4: not built yet)."""
