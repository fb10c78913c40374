"""The image role's record of what its build workspace holds (project/.inputs).

The build scenario runs the role end to end with a healthy record; these
checks pin what a scenario cannot reach cheaply: a damaged record (text, the
old JSON format, binary) counts as nothing held, so the services are copied
again and the run never fails on it, and a record the role writes reads back
as the digests it wrote.
"""
import json

from conftest import ROOT, run

ROLE = ROOT / "roles" / "image"
DIGEST = "a" * 64

PLAYBOOK = f"""
- hosts: localhost
  gather_facts: false
  vars_files: [{ROLE / 'vars' / 'main.yml'}]
  vars:
    role_path: {ROLE}
    image_services: [backend, frontend, nginx, redis]
    image_development_services: [backend, frontend, redis]
  tasks:
    - name: Read each record
      ansible.builtin.debug:
        msg: "HELD {{{{ __image_project_held_digests | to_json }}}}"
      loop: "{{{{ records }}}}"
      vars:
        __image_project_held: {{content: "{{{{ item | b64encode }}}}"}}
    - name: Read no record at all (a new workspace)
      ansible.builtin.debug:
        msg: "HELD {{{{ __image_project_held_digests | to_json }}}}"
      vars:
        __image_project_held: {{failed: true}}
    - name: Write the record as the role does, then read it back
      ansible.builtin.debug:
        msg: "WROTE {{{{ __image_project_digests | to_json }}}} HELD {{{{ __image_project_held_digests | to_json }}}}"
      vars:
        __image_record: |
          {{% for svc, digest in __image_project_digests | dictsort %}}
          {{{{ svc }}}} {{{{ digest }}}}
          {{% endfor %}}
        __image_project_held: {{content: "{{{{ __image_record | b64encode }}}}"}}
"""


def test_a_damaged_record_counts_as_nothing_held_and_a_written_one_reads_back(tmp_path):
    # The record the role writes: the same template as tasks/workspace.yml.
    template = (ROLE / "tasks" / "workspace.yml").read_text()
    assert "{{ svc }} {{ digest }}" in template
    records = ['{"backend": "abc"', "\x00\xff\xfe binary", json.dumps({"backend": DIGEST}, indent=2),
               f"backend {DIGEST}\njunk line\nfrontend {'b' * 64}\nnginx short\n"]
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    proc = run(["ansible-playbook", str(playbook), "-e", json.dumps({"records": records})],
               env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tasks = json.loads(proc.stdout)["plays"][0]["tasks"]
    msgs = [[r["msg"] for r in t["hosts"]["localhost"].get("results", [t["hosts"]["localhost"]])] for t in tasks]
    held = [json.loads(m.split("HELD ", 1)[1]) for m in msgs[0] + msgs[1]]
    assert held == [{}, {}, {}, {"backend": DIGEST, "frontend": "b" * 64}, {}], held
    wrote, back = msgs[2][0].split("WROTE ", 1)[1].split(" HELD ")
    assert json.loads(wrote) == json.loads(back)
    assert sorted(json.loads(wrote)) == ["backend", "frontend", "nginx", "redis"]
