// The part of jstat (which ships no types) that statistics.ts uses.
declare module 'jstat' {
  const jstat: {
    jStat: {
      studentt: {
        /** P(T <= x) for Student's t with `dof` degrees of freedom. */
        cdf(x: number, dof: number): number;
        /** The p-quantile of Student's t with `dof` degrees of freedom. */
        inv(p: number, dof: number): number;
      };
    };
  };
  export default jstat;
}
