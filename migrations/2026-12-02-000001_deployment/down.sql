DROP TABLE deployment_identity;
