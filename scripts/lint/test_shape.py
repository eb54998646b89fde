#!/usr/bin/env python3
"""Tests of the shape lint on small made-up crates: each rule fires where it should and only
there (run by scripts/test.sh before the lint itself: `python3 scripts/lint/test_shape.py`)."""

import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import shape  # noqa: E402


def body(n: int) -> str:
    return "".join(f"    let x{i} = {i};\n" for i in range(n))


class Shape(unittest.TestCase):
    def tree(self, files: dict[str, str]) -> Path:
        root = Path(tempfile.mkdtemp())
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return root

    def test_a_function_of_81_lines_fails_and_80_passes(self):
        code = "fn long() {\n" + body(79) + "}\n" + "fn fine() {\n" + body(78) + "}\n"
        found = shape.long_functions(shape.blank_out(code))
        self.assertEqual(found, [("long", 1, 81)])

    def test_test_modules_and_braces_in_strings_and_comments_are_not_code(self):
        code = (
            'fn short() {\n    let s = "{{{";\n    // }}}\n    let c = \'{\';\n    let r = r#"}"#;\n}\n'
            "#[cfg(test)]\nmod tests {\n    fn long_test() {\n" + body(100) + "    }\n}\n"
        )
        self.assertEqual(shape.long_functions(shape.blank_out(code)), [])

    def test_an_allow_needs_a_plain_comment(self):
        src = (
            "#[allow(dead_code)]\nfn a() {}\n"
            "/// What b is.\n#[allow(dead_code)]\nfn b() {}\n"
            "// Why: kept for the C API.\n#[allow(dead_code)]\nfn c() {}\n"
            "#[allow(dead_code)] // why: the same\nfn d() {}\n"
        )
        self.assertEqual(shape.unexplained_allows(src), [1, 4])

    def test_circles_between_top_level_modules(self):
        root = self.tree(
            {
                "crates/k/src/lib.rs": "pub mod a;\npub mod b;\npub mod c;\n",
                "crates/k/src/a.rs": "use crate::b::X;\n",
                "crates/k/src/b/mod.rs": "use crate::{c::Y, a};\n",
                "crates/k/src/c.rs": "// crate::a in a comment is no import\n"
                "#[cfg(test)]\nmod tests {\n    use crate::a;\n}\n",
            }
        )
        problems = shape.check(root)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("import circle between a, b", problems[0])

    def test_a_command_file_over_150_lines_fails(self):
        root = self.tree({"crates/imcdse/src/cli/big.rs": "// x\n" * 151, "crates/imcdse/src/cli/ok.rs": "// x\n" * 150})
        problems = shape.check(root)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("big.rs:1: command file length: 151 lines", problems[0])


if __name__ == "__main__":
    unittest.main()
