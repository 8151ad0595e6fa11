"""Ingest: policy files -> normalised text -> structure -> chunks -> vectors in Qdrant.

- ``loaders`` / ``normalise``: a file (txt, md, html, pdf) to the normalised text that all
  offsets and citations refer to, with page spans and footer metadata;
- ``structure``: headings, sections and content units (lists with lead-ins, tables,
  practice-guidance boxes) recovered from that text;
- ``chunking``: citation chunks and the embedding windows for each;
- ``pipeline``: incremental, atomic builds of the index (``IngestPipeline``, ``ensure_index``);
- ``documents``: the shared lookups ``load_document_text``, ``section_path_at``, ``page_at``;
- ``index_state``: what the serving index holds (``data_dir/index_state.json``).
"""
