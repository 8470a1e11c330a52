"""Builds small BPMN files for engine tests (no diagram: the engine does not need one)."""
from xml.sax.saxutils import escape

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
          'xmlns:cx="https://chengxin.example.org/schema/bpmn/1.0" id="defs" targetNamespace="https://t">')


def probe_process(key="safety_probe", script=None, condition=None, timer=None, extra_lane_nodes="",
                  user_task='<bpmn:userTask id="review" name="审核" cx:form="entry_review" cx:due="5" />',
                  header=HEADER) -> bytes:
    """recorder starts (record_register form) → [script] → [gateway with condition] → [timer] → reviewer task → end."""
    nodes, flows, chain = [], [], ["begin"]
    nodes.append('<bpmn:startEvent id="begin" name="开始" cx:form="record_register" />')
    if script is not None:
        nodes.append(f'<bpmn:scriptTask id="probe_script" name="脚本"><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>')
        chain.append("probe_script")
    if timer is not None:
        nodes.append('<bpmn:intermediateCatchEvent id="probe_timer" name="等待"><bpmn:timerEventDefinition>'
                     f'<bpmn:timeDate xsi:type="bpmn:tFormalExpression">{escape(timer)}</bpmn:timeDate>'
                     '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')
        chain.append("probe_timer")
    nodes.append(user_task)
    if condition is not None:
        nodes.append('<bpmn:exclusiveGateway id="probe_gw" name="判断" default="f_default" />')
        nodes.append('<bpmn:endEvent id="done_other" name="另一结束" />')
        chain.append("probe_gw")
        flows.append('<bpmn:sequenceFlow id="f_cond" sourceRef="probe_gw" targetRef="done_other">'
                     f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(condition)}</bpmn:conditionExpression>'
                     '</bpmn:sequenceFlow>')
        flows.append('<bpmn:sequenceFlow id="f_default" sourceRef="probe_gw" targetRef="review" />')
    else:
        chain.append("review")
    nodes.append('<bpmn:endEvent id="done" name="结束" />')
    if condition is None:
        chain.append("done")
    else:
        flows.append('<bpmn:sequenceFlow id="f_review_done" sourceRef="review" targetRef="done" />')
    for i, (a, b) in enumerate(zip(chain, chain[1:])):
        flows.append(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}" />')
    ids = [n.split('id="')[1].split('"')[0] for n in nodes]
    reviewer_ids = [i for i in ids if i not in ("begin",)]
    lanes = ('<bpmn:laneSet id="ls"><bpmn:lane id="l_rec" name="recorder"><bpmn:flowNodeRef>begin</bpmn:flowNodeRef></bpmn:lane>'
             '<bpmn:lane id="l_rev" name="reviewer">' + "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in reviewer_ids)
             + extra_lane_nodes + '</bpmn:lane></bpmn:laneSet>')
    body = f'<bpmn:process id="{key}" name="安全探针" isExecutable="true">{lanes}{"".join(nodes)}{"".join(flows)}</bpmn:process>'
    return (header + body + "</bpmn:definitions>\n").encode()
