"""Layer 6, running reports: notebook execution, executors, the manifest and batches."""
