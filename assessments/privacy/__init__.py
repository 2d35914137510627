"""What the evaluation engine holds about a person (reflections, knowledge-check attempts), for
cms.privacy's download, erasure and retention."""
