"""Stand-in amazon-ssm-agent and amazon-ecs-init Debian packages for the offline test world."""
