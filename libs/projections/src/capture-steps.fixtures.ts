/**
 * For tests of captures in slices (ReadModel.snapshotInSlices): runs the steps to their end as the runner would,
 * calling `between` where the runner may give the event loop a turn (a server answering questions meanwhile).
 */
export function captureStepByStep<T>(steps: Generator<void, T, void>, between: (step: number) => void): { value: T; steps: number } {
  let taken = 0;
  // Bounded: the model's steps are finite.
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done === true) return { value: step.value, steps: taken };
    taken++;
    between(taken);
  }
}
