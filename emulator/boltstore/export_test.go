package boltstore

// LogFile is logFile, for tests that inject faults.
type LogFile = logFile

// WrapLog wraps the file of the newest log, which takes the next frames.
func (s *Store) WrapLog(wrap func(LogFile) LogFile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.layers[len(s.layers)-1]
	l.f = wrap(l.f)
}

// ManualFold is Options under which the store folds only when Fold or
// Close is called, never in the background.
func ManualFold() *Options { return &Options{manualFold: true} }

// FramesEnd returns where the frames of the log file at path end; an
// error when anything but zeros follows them.
func FramesEnd(path string) (int64, error) {
	l, err := readLog(path, 0, false)
	if err != nil {
		return 0, err
	}
	return l.size, nil
}
