package lake

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Committed reports whether the lake in dir holds a committed batch,
// without opening it: no lock is taken and nothing is created. A folder
// that does not exist is a lake with nothing committed.
func Committed(dir string) (bool, error) {
	des, err := os.ReadDir(filepath.Join(dir, manifestDir))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lake %s: %w", dir, err)
	}
	for _, de := range des {
		if entryNameRe.MatchString(de.Name()) {
			return true, nil
		}
	}
	return false, nil
}
