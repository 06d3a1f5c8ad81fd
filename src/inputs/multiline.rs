//! Multiline joining: framed lines in, events out (stack traces kept whole).
