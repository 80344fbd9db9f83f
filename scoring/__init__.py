"""Pure statistics of Hài Lòng: no Flask, no database, no I/O."""
