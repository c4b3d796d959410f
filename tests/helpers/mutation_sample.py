#!/usr/bin/env python
"""Print the names of a seeded random sample of each file's mutants, for `mutmut run NAME...`.

Usage (in the mutation scratch directory, beside its setup.cfg): mutation_sample.py SIZE SEED FILE...

SIZE mutants are drawn from each FILE, the same ones for the same SEED and source; a file with SIZE or fewer
mutants gives all of them. `make mutation MUTATION_SAMPLE=SIZE` uses this when a full run would not fit the
time at hand: the score of a sample estimates the file's score, and README says which files were sampled.
"""

import random
import sys
from pathlib import Path

from mutmut.mutation.file_mutation import mutate_file_contents
from mutmut.utils.format_utils import get_mutant_name


def mutant_names(path):
    mutated = mutate_file_contents(str(path), path.read_text(encoding="utf-8"))
    return sorted(get_mutant_name(path, name) for name in mutated.mutant_names)


def main(argv):
    size, seed, files = int(argv[1]), argv[2], argv[3:]
    for file in files:
        names = mutant_names(Path(file))
        chosen = names if len(names) <= size else random.Random("%s:%s" % (seed, file)).sample(names, size)
        print("%s: %d of %d mutants" % (file, len(chosen), len(names)), file=sys.stderr)
        for name in sorted(chosen):
            print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
