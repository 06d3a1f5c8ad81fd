//! Container log lines (CRI and docker json-file): decoding, partial-line
//! merging and the metadata in their file paths.
