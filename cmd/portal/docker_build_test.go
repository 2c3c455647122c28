package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// No Docker engine runs where the tests run, so the image's build stage is run as Docker
// would run it: its RUN commands, in order, in a clone of the repository (what `COPY . .`
// gives it, .git included), with its ARG defaults. The binary it builds must name the commit
// in `portal version`, and the final stage must copy that binary.
func TestDockerBuildStageBuildsAVersionedPortal(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	df, err := os.Open(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer df.Close()
	var runs []string
	args := map[string]string{}
	stage, copied := "", false
	sc := bufio.NewScanner(df)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "FROM":
			stage = "other"
			if strings.HasSuffix(rest, " AS build") {
				stage = "build"
			}
		case "ARG":
			if stage == "build" {
				k, v, _ := strings.Cut(rest, "=")
				args[k] = v
			}
		case "RUN":
			if stage == "build" {
				runs = append(runs, rest)
			}
		case "COPY":
			if stage == "other" && strings.HasPrefix(rest, "--from=build /out/portal ") {
				copied = true
			}
		}
	}
	if len(runs) == 0 || !copied {
		t.Fatalf("the Dockerfile has no build stage (%d RUN) or its final stage does not copy /out/portal", len(runs))
	}

	// The build context: the working tree as git sees it (tracked and new files, not the
	// ignored ones), and .git.
	src := filepath.Join(t.TempDir(), "src")
	out := filepath.Join(t.TempDir(), "out")
	files, err := exec.Command("git", "-C", root, "ls-files", "-z", "-co", "--exclude-standard").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		copyFile(t, filepath.Join(root, f), filepath.Join(src, f))
	}
	if b, err := exec.Command("cp", "-a", filepath.Join(root, ".git"), filepath.Join(src, ".git")).CombinedOutput(); err != nil {
		t.Fatalf("copy .git: %v\n%s", err, b)
	}
	head, err := exec.Command("git", "-C", src, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	status, err := exec.Command("git", "-C", src, "status", "--porcelain").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range runs {
		cmd := exec.Command("bash", "-c", strings.ReplaceAll(run, "/out/", out+"/"))
		cmd.Dir = src
		cmd.Env = os.Environ()
		for k, v := range args {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("RUN %s: %v\n%s", run, err, b)
		}
	}
	v, err := exec.Command(filepath.Join(out, "portal"), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("portal version: %v\n%s", err, v)
	}
	want := "tierdesk portal " + args["VERSION"] + " (commit " + strings.TrimSpace(string(head)) + ")"
	if len(status) > 0 { // uncommitted changes: Go marks the binary modified
		want = strings.TrimSuffix(want, ")") + ", modified)"
	}
	if strings.TrimSpace(string(v)) != want {
		t.Errorf("the image's portal version says %q, want %q", strings.TrimSpace(string(v)), want)
	}
}

// copyFile copies a regular file (a symbolic link as a link), making its directories.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	fi, err := os.Lstat(from)
	if os.IsNotExist(err) {
		return // deleted in the working tree, still in the index
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(from)
		if err == nil {
			err = os.Symlink(target, to)
		}
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, fi.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}
