run decisions.pol --facts dangling.json
