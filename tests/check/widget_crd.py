"""A small CRD written for these tests: one field per OpenAPI/Kubernetes feature the checker translates."""

import textwrap

WIDGET_CRD = textwrap.dedent("""\
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: widgets.demo.inferstack.dev
    spec:
      group: demo.inferstack.dev
      names: {kind: Widget, plural: widgets}
      scope: Namespaced
      versions:
      - name: v1
        served: true
        storage: true
        schema:
          openAPIV3Schema:
            type: object
            x-kubernetes-validations:
            - rule: "self.metadata.name.startsWith('w')"
              message: "widget names start with w"
            properties:
              metadata:
                type: object
                properties:
                  name: {type: string, maxLength: 12}
              spec:
                type: object
                required: [mode]
                x-kubernetes-validations:
                - rule: "self.minReplicas <= self.maxReplicas"
                  message: "minReplicas must not exceed maxReplicas"
                  fieldPath: ".minReplicas"
                - rule: "self.mode == oldSelf.mode"
                  message: "mode is immutable"
                - rule: "!has(self.memory) || quantity(self.memory).isLessThan(quantity('64Gi'))"
                  message: "at most 64Gi"
                - rule: "!has(self.labels) || self.labels['tier'] == 'gold'"
                  messageExpression: "'tier must be gold, not ' + self.labels['tier']"
                - rule: "!has(self.ratio) || self.ratio < 2.5"
                  message: "ratio below 2.5"
                properties:
                  mode: {type: string, enum: [fast, slow], default: fast}
                  minReplicas: {type: integer, default: 1}
                  maxReplicas: {type: integer, format: int32, default: 4}
                  ratio: {type: number, nullable: true}
                  memory: {type: string}
                  port:
                    x-kubernetes-int-or-string: true
                    anyOf: [{type: integer}, {type: string}]
                  weight: {type: integer, minimum: 0, maximum: 100, exclusiveMaximum: true}
                  labels: {type: object, additionalProperties: {type: string}}
                  config: {type: object, x-kubernetes-preserve-unknown-fields: true}
                  empty: {type: object}
                  template:
                    type: object
                    x-kubernetes-embedded-resource: true
                    x-kubernetes-preserve-unknown-fields: true
                  ports:
                    type: array
                    x-kubernetes-list-type: map
                    x-kubernetes-list-map-keys: [name, protocol]
                    items:
                      type: object
                      required: [name]
                      properties:
                        name: {type: string}
                        protocol: {type: string, default: TCP}
                        port: {type: integer}
                  tags:
                    type: array
                    x-kubernetes-list-type: set
                    items: {type: string}
                  refs:
                    type: array
                    items:
                      type: object
                      properties:
                        namespace: {type: string}
                        name: {type: string}
                        my-field: {type: string}
                      x-kubernetes-validations:
                      - rule: "!has(self.__namespace__) || self.__namespace__ != 'kube-system'"
                        message: "refs may not point into kube-system"
                      - rule: "!has(self.my__dash__field) || self.my__dash__field.startsWith('x')"
                        message: "my-field starts with x"
                  letters: {type: string, pattern: "^\\\\p{L}+$"}
                  choice:
                    type: object
                    properties:
                      a: {type: string}
                      b: {type: string}
                    anyOf:
                    - required: [a]
                    - required: [b]
      - name: v0
        served: false
        storage: false
        schema:
          openAPIV3Schema: {type: object}
    """)


def write_widget_crd(root, text=WIDGET_CRD):
    folder = root / "demo" / "v1"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "widget.yaml").write_text(text)
    return root


def widget(name="wheel", **spec):
    return {"apiVersion": "demo.inferstack.dev/v1", "kind": "Widget",
            "metadata": {"name": name, "namespace": "demo"}, "spec": spec}
