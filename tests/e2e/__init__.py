"""End-to-end tests: real Jupyter servers (JupyterLab 4, Notebook 7) driven by Chromium."""
