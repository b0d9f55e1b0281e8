package web

import (
	"encoding/json"
	"fmt"
	"sync"
)

var (
	messagesOnce sync.Once
	messages     map[string]map[string]string
	messagesErr  error
)

// Messages returns the translations of the map page in lang (zh, en, ru,
// mn): static/i18n/<lang>.json, key to text with {name} placeholders. The
// server's printable report and plain-words answers use them too, so that
// a planner reads the same words everywhere. The map is shared: do not
// modify it.
func Messages(lang string) (map[string]string, error) {
	messagesOnce.Do(func() {
		messages = map[string]map[string]string{}
		for _, l := range []string{"zh", "en", "ru", "mn"} {
			raw, err := files.ReadFile("static/i18n/" + l + ".json")
			if err != nil {
				messagesErr = fmt.Errorf("read translations %s: %w", l, err)
				return
			}
			m := map[string]string{}
			if err := json.Unmarshal(raw, &m); err != nil {
				messagesErr = fmt.Errorf("decode translations %s: %w", l, err)
				return
			}
			messages[l] = m
		}
	})
	if messagesErr != nil {
		return nil, messagesErr
	}
	m, ok := messages[lang]
	if !ok {
		return nil, fmt.Errorf("no translations for language %q", lang)
	}
	return m, nil
}
