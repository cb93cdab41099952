run decisions.pol --facts transfers.yaml
