/* empty.c - keeps a module library non-empty while its first sources are written; adds no symbols. */
typedef int fewshot_empty_translation_unit;
