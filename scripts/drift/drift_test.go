package drift

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
)

// python returns a Python 3 with scikit-learn: Debian's first (another on PATH may lack it).
func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import sklearn").Run() == nil {
			return path
		}
	}
	testsvc.Missing(t, "no python3 with scikit-learn (Debian: python3-sklearn): the drift suite's peer cannot run")
	return ""
}

func TestSuite(t *testing.T) {
	cmd := exec.Command(python(t), "-m", "unittest", "-v", "test_suite.py")
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("test_suite.py: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "skipped") {
		t.Errorf("test_suite.py skipped a test:\n%s", out)
	}
	t.Logf("%s", out)
}
