// Where the Kubernetes manifests start the image's binaries: every container of the image
// "hearth" (its command, or the entrypoint's `hearthd serve` when it only passes args) and every
// exec probe in it that runs one of them. lib/image.mjs checks their flags against the built
// binaries, lib/agent.mjs loads the outputs files hearth-agent is given, and lib/k8s_rules.mjs
// checks how hearth-agent containers are wired.

export const PROGRAMS = ["hearthd", "hearthctl", "hearth-agent"];
const PROBES = ["startupProbe", "readinessProbe", "livenessProbe"];

// The value of option `names` (["--config", "-c"]) in `words`: "--config X" or "--config=X",
// the last one winning; undefined when it is not given.
export function optionValue(words, names) {
  let value;
  words.forEach((w, i) => {
    const s = String(w);
    for (const n of names) {
      if (s === n && i + 1 < words.length) value = String(words[i + 1]);
      else if (s.startsWith(`${n}=`)) value = s.slice(n.length + 1);
    }
  });
  return value;
}

// The first word that is not an option (nor an option's value): the subcommand.
export function subcommandOf(words) {
  return words.find((w, i) => /^[a-z]+$/.test(w) && !String(words[i - 1] ?? "").startsWith("-"));
}

// {program, words} for an argv that starts a Hearth binary, or null. For hearthd the words
// follow `hearthd serve`, as they do after the image's entrypoint.
function programOf(argv) {
  const program = String(argv[0] ?? "");
  if (!PROGRAMS.includes(program)) return null;
  const words = argv.slice(program === "hearthd" ? 2 : 1).map(String);
  return { program, words };
}

// The invocations in the pod template of `obj` ({value, where}, as lib/k8s_rules.mjs has it):
// [{where, program, words, container, pod, probe}], probe being the probe's field name or null.
export function podInvocations(obj) {
  const pod = obj.value?.spec?.template?.spec;
  if (!pod) return [];
  const out = [];
  for (const field of ["initContainers", "containers"]) {
    (pod[field] ?? []).forEach((c, i) => {
      if (!/^hearth(:|$)/.test(String(c.image))) return;
      const at = ["spec", "template", "spec", field, i];
      const where = obj.where(at);
      const command = c.command ?? [];
      const started =
        command.length === 0
          ? { program: "hearthd", words: (c.args ?? []).map(String) }
          : programOf([...command, ...(c.args ?? [])]);
      if (started) out.push({ where, ...started, container: c, pod, probe: null });
      for (const probe of PROBES) {
        const argv = c[probe]?.exec?.command;
        const run = argv && programOf(argv);
        if (run)
          out.push({
            where: obj.where([...at, probe, "exec", "command"]),
            ...run,
            container: c,
            pod,
            probe,
          });
      }
    });
  }
  return out;
}
