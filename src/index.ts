// The Pulumi program (`main` in Pulumi.yaml): validate the stage config, then declare the stage.
import { stageConfigFromPulumi } from "./config/pulumi";
import { declareStage } from "./stage";

export = declareStage(stageConfigFromPulumi());
