"""The hooks' helpers, imported from the unrendered hook files."""

import importlib.util
import stat
import subprocess
import sys

import pytest

from tests.conftest import TEMPLATE


def load(name):
    spec = importlib.util.spec_from_file_location(name, TEMPLATE / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pre = load("pre_gen_project")
post = load("post_gen_project")


@pytest.mark.parametrize("slug", ["team_chat", "acme", "chat2", "a_b_c"])
def test_good_slugs_pass(slug):
    assert pre.check_slug(slug) is None


@pytest.mark.parametrize(
    ("slug", "words"),
    [
        ("Team", "lower-case Python identifier"),
        ("team-chat", "lower-case Python identifier"),
        ("2chat", "lower-case Python identifier"),
        ("", "lower-case Python identifier"),
        ("class", "keyword"),
        ("django", "shadow"),
        ("channels", "shadow"),
        ("config", "shadow"),
        ("chat", "shadow"),
        ("test", "shadow"),
        ("testservers", "shadow"),
        ("json", "shadow"),
    ],
)
def test_bad_slugs_say_why(slug, words):
    reason = pre.check_slug(slug)
    assert reason is not None
    assert words in reason
    assert "\n" not in reason


@pytest.mark.parametrize("email", ["a@b.co", "first.last+tag@example.org"])
def test_good_emails_pass(email):
    assert pre.check_email(email) is None


@pytest.mark.parametrize("email", ["", "no-at.example.com", "a@b", "a b@example.com", "a@@b.com"])
def test_bad_emails_fail(email):
    assert "email" in pre.check_email(email)


@pytest.mark.parametrize("domain", ["example.com", "chat.example.co.uk", "my-app.io"])
def test_good_domains_pass(domain):
    assert pre.check_domain(domain) is None


@pytest.mark.parametrize(
    "domain", ["", "localhost", "http://example.com", "-bad.com", "exa mple.com", "a..com"]
)
def test_bad_domains_fail(domain):
    assert "domain_name" in pre.check_domain(domain)


@pytest.mark.parametrize("name", ['Say "hi"', "back\\slash", "{{ x }}", "  "])
def test_bad_project_names_fail(name):
    assert pre.check_project_name(name) is not None


def test_secret_key_is_long_random_and_env_safe():
    keys = {post.generate_secret_key() for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert len(key) == 64
        assert key.isalnum()


def test_env_file_is_private_and_never_overwritten(tmp_path):
    env = post.write_env_file(tmp_path, "first")
    assert "SECRET_KEY=first" in env.read_text()
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    post.write_env_file(tmp_path, "second")
    assert "SECRET_KEY=first" in env.read_text()


def test_prune_lists_files_of_options_answered_no():
    context = {"use_stunnel": "False", "use_github_actions": True, "open_source_license": "MIT"}
    assert post.paths_to_prune(context) == post.OPTIONAL_PATHS["use_stunnel"]
    context = {
        "use_stunnel": True,
        "use_github_actions": False,
        "open_source_license": "Not open source",
    }
    assert post.paths_to_prune(context) == [".github", "LICENSE"]


def test_prune_is_safe_to_repeat(tmp_path):
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / "Aptfile").write_text("stunnel4\n")
    post.prune(tmp_path, [".github", "Aptfile", "missing"])
    post.prune(tmp_path, [".github", "Aptfile", "missing"])
    assert not (tmp_path / ".github").exists()
    assert not (tmp_path / "Aptfile").exists()


def test_template_code_is_lint_clean():
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "hooks", "tests"],
            cwd=TEMPLATE,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("template", "url"),
    [
        ("gh:acme/chat-template", "https://github.com/acme/chat-template.git"),
        ("gl:acme/chat-template", "https://gitlab.com/acme/chat-template.git"),
        ("https://git.example.com/chat.git", "https://git.example.com/chat.git"),
        ("git@github.com:acme/chat-template.git", "git@github.com:acme/chat-template.git"),
    ],
)
def test_the_recorded_template_is_one_git_can_clone(template, url):
    assert post.template_url(template) == url


def test_a_local_template_is_recorded_by_its_absolute_path(tmp_path, monkeypatch):
    (tmp_path / "chat-template").mkdir()
    monkeypatch.chdir(tmp_path)
    assert post.template_url("chat-template") == str(tmp_path / "chat-template")


def test_a_template_that_is_no_git_checkout_records_nothing(tmp_path):
    context = {"_template": str(tmp_path), "_repo_dir": str(tmp_path), "project_slug": "x"}
    assert post.record_template(context, tmp_path) is None
    assert not (tmp_path / ".cruft.json").exists()
