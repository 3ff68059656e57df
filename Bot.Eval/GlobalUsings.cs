global using HandoffBot.Training;
