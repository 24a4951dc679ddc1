import { expect, test } from "bun:test";
import { commandLabel, displayCommand, jobLabel, scriptOf } from "../../../src/run/report/name.ts";
import { jobContext } from "../../../src/scheduler/schedulers.ts";

const label = (argv: string[]) => commandLabel(displayCommand(argv), argv);

test("the script a command runs, past launchers, interpreters, their options and a container's image", () => {
  const script = (line: string) => scriptOf(line.split(" "))?.name;
  expect(script("python train.py --epochs 50")).toBe("train.py");
  expect(script("OMP_NUM_THREADS=4 srun --mpi=pmix python3.11 -u /home/me/project/train.py")).toBe("train.py");
  expect(script("mpirun -np 4 ./simulate input.dat")).toBe("simulate");
  expect(script("apptainer exec --nv image.sif python /work/eval.py")).toBe("eval.py");
  expect(script("torchrun --nproc_per_node 8 finetune.py")).toBe("finetune.py");
  expect(script("python -m pkg.train --lr 3")).toBe("pkg.train");
  expect(script("Rscript analysis.R")).toBe("analysis.R");
  expect(script("make -j8")).toBe("make");
  expect(script("bash -c echo")).toBeUndefined();
  expect(script("python3 -c print(1)")).toBeUndefined();
});

test("a short command is shown whole; a long one from its script on, never cut before the script's name", () => {
  expect(label(["python", "train.py", "--epochs", "50"])).toBe("`python train.py --epochs 50`");
  const long = [
    "/opt/software/Python/3.11.5-GCCcore-13.2.0/bin/python3",
    "-u",
    "/home/me/experiments/resnet/train.py",
    "--lr",
    "0.1",
  ];
  expect(label(long)).toBe("`train.py --lr 0.1`");
  const many = ["python", "train.py", ...Array.from({ length: 20 }, (_, i) => `--option-${i}=value`)];
  const shown = label(many);
  expect(shown).toStartWith("`train.py --option-0=value");
  expect(shown).toEndWith("…`");
  expect(shown.length).toBeLessThanOrEqual(62);
  // No script to find: the command as before, its first line.
  expect(label(["bash", "-c", "echo one\necho two"])).toBe("`bash -c 'echo one…`");
});

test("a job: its name and id, as the scheduler writes the id; a name that would break the bold is shown literally", () => {
  const task = jobContext({
    SLURM_JOB_ID: "12352",
    SLURM_JOB_NAME: "sweep",
    SLURM_ARRAY_JOB_ID: "12345",
    SLURM_ARRAY_TASK_ID: "7",
  })!;
  expect(jobLabel(task)).toBe("sweep 12345_7");
  expect(jobLabel(jobContext({ PBS_JOBID: "55.server", PBS_JOBNAME: "sim" })!)).toBe("sim 55.server");
  expect(jobLabel(jobContext({ LSB_JOBID: "9", LSB_JOBNAME: "fit", LSB_JOBINDEX: "3" })!)).toBe("fit 9[3]");
  expect(jobLabel(jobContext({ SLURM_JOB_ID: "3", SLURM_JOB_NAME: "my_job" })!)).toBe("my_job 3");
  expect(jobLabel(jobContext({ SLURM_JOB_ID: "3", SLURM_JOB_NAME: "**big** _x_" })!)).toBe("`**big** _x_` 3");
  // A script piped to sbatch is named "sbatch": no name worth showing.
  expect(jobLabel(jobContext({ SLURM_JOB_ID: "4", SLURM_JOB_NAME: "sbatch" })!)).toBe("job 4");
});
