"""The Kubernetes test cluster: build and run scripts, and the pytest plugin."""
