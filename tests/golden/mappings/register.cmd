run policy.pol --facts Shipment=register.csv --mapping register.polmap --include supplier,recipient,delivered
