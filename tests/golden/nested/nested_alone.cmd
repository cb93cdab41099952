run decisions.pol --facts Approval=countries.csv
