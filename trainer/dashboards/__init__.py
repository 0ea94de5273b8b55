"""What TensorBoard shows and the figures and tables beside it: a run's summaries
(run_summaries), the HParams experiment (hparams), figures (figures, horizon_figures),
markdown tables (tables), and the study's summary directories (summary_dir). Screenshots of
the dashboards are a tool (tools/screenshots.py)."""
