check links
