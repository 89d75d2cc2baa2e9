// A Node handler: upper-cases its codeHookInput.
exports.handler = async (event) => {
  const input = event.node.inputs.find((i) => i.name === "codeHookInput");
  return input.value.toUpperCase();
};
